import numpy as np

a = np.zeros((2, 3))
print(a[-3, 0])
