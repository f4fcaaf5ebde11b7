import numpy as np

np.random.seed(1)
print(np.random.choice(5, 2, replace=False, p=[0.5, 0.5, 0.0, 0.0, 0.0]))
print(np.random.choice(np.arange(3), 2, p=[0.5, 0.5, 0.0]))
print(np.random.choice(5, 3, replace=False, p=[0.5, 0.5, 0.0, 0.0, 0.0]))
