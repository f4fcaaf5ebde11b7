import numpy as np


def main():
    a = np.arange(6).reshape(2, 3)
    b = np.arange(6, 12).reshape(2, 3).astype(np.float32)
    s = np.stack((a, b))
    print(s.shape, s.dtype)
    print(s)
    print(np.stack((a, b), axis=1))
    print(np.stack((a, b), axis=2))
    print(np.stack([a, a, a], -1).shape)
    print(np.stack((a.T, b.T), axis=-2))
    x = np.linspace(0.0, 1.0, 5)
    y = x * x
    pts = np.stack((x, y), axis=1)
    print(pts)
    print(np.stack((x[::2], y[::2])))
    print(np.stack((np.int8(3) * np.ones(3, np.int8), np.arange(3, dtype=np.int8))).dtype)
    c = np.arange(24).reshape(2, 3, 4)
    print(np.stack((c, c), axis=3).shape, np.stack((c, c), axis=0).shape)
    print(np.stack((c[0], c[1]))[1, 2])
    # concatenate along other axes too
    print(np.concatenate((a, b), axis=1))
    print(np.concatenate((a, b), axis=-1).dtype)
    print(np.concatenate((c, c[:, :1]), axis=1).shape)
    print(np.concatenate([c, c], 2)[1, 2])
    z = np.stack((np.zeros(0), np.zeros(0)))
    print(z.shape, z)


main()
