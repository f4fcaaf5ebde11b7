import numpy as np

np.random.seed(2)
print(np.random.randint(-128, 128, 4, dtype=np.int8))
print(np.random.randint(0, 2, 4, dtype=np.bool_))
print(np.random.randint(0, 300, 4, dtype=np.uint8))
