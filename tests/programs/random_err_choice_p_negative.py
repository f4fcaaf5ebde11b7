import numpy as np

w = np.array([0.5, 0.7, -0.2])
print(np.random.choice(3, p=w / w.sum()))
print(np.random.choice(4, p=w))
