# np.random.choice without replacement cannot draw more than the population
import numpy as np

np.random.seed(5)
print(np.random.choice(np.arange(4), 4, replace=False))
print(np.random.choice(np.arange(4), 5, replace=False))
