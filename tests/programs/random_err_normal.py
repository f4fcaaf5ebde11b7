# np.random.normal with a negative scale raises ValueError
import numpy as np

np.random.seed(5)
print(np.random.normal(1.0, 0.5))
print(np.random.normal(1.0, -0.0, size=2))
