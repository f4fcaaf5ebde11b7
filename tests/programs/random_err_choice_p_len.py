import numpy as np

np.random.seed(5)
w = np.full(4, 0.25)
print(np.random.choice(4, 2, p=w))
print(np.random.choice(np.arange(5), 2, p=w))
