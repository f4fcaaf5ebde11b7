# The n-body benchmark: Sun and the four gas giants, 3-D, symplectic Euler.
import math

import numpy as np
from numba import njit

STEPS = 100000
DT = 0.01
DAYS_PER_YEAR = 365.24


@njit
def bodies():
    pos = np.array([
        [0.0, 0.0, 0.0],
        [4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01],
        [8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01],
        [1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01],
        [1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01],
    ])
    vel = np.array([
        [0.0, 0.0, 0.0],
        [1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05],
        [-2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05],
        [2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05],
        [2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05],
    ])
    mass = np.array([
        1.0,
        9.54791938424326609e-04,
        2.85885980666130812e-04,
        4.36624404335156298e-05,
        5.15138902046611451e-05,
    ])
    solar_mass = 4.0 * math.pi * math.pi
    vel *= DAYS_PER_YEAR
    mass *= solar_mass
    return pos, vel, mass


@njit
def offset_momentum(vel, mass):
    solar_mass = 4.0 * math.pi * math.pi
    for k in range(3):
        p = 0.0
        for i in range(len(mass)):
            p += vel[i, k] * mass[i]
        vel[0, k] = -p / solar_mass


@njit
def energy(pos, vel, mass):
    n = len(mass)
    e = 0.0
    for i in range(n):
        e += 0.5 * mass[i] * (vel[i, 0] * vel[i, 0] + vel[i, 1] * vel[i, 1] + vel[i, 2] * vel[i, 2])
        for j in range(i + 1, n):
            dx = pos[i, 0] - pos[j, 0]
            dy = pos[i, 1] - pos[j, 1]
            dz = pos[i, 2] - pos[j, 2]
            e -= mass[i] * mass[j] / math.sqrt(dx * dx + dy * dy + dz * dz)
    return e


@njit
def advance(pos, vel, mass, dt, steps):
    n = len(mass)
    for s in range(steps):
        for i in range(n):
            for j in range(i + 1, n):
                dx = pos[i, 0] - pos[j, 0]
                dy = pos[i, 1] - pos[j, 1]
                dz = pos[i, 2] - pos[j, 2]
                d2 = dx * dx + dy * dy + dz * dz
                mag = dt / (d2 * math.sqrt(d2))
                mj = mass[j] * mag
                mi = mass[i] * mag
                vel[i, 0] -= dx * mj
                vel[i, 1] -= dy * mj
                vel[i, 2] -= dz * mj
                vel[j, 0] += dx * mi
                vel[j, 1] += dy * mi
                vel[j, 2] += dz * mi
        for i in range(n):
            pos[i, 0] += dt * vel[i, 0]
            pos[i, 1] += dt * vel[i, 1]
            pos[i, 2] += dt * vel[i, 2]


def main():
    pos, vel, mass = bodies()
    offset_momentum(vel, mass)
    e0 = energy(pos, vel, mass)
    advance(pos, vel, mass, DT, STEPS)
    e1 = energy(pos, vel, mass)
    print("nbody", round(e0, 9), round(e1, 9))
    assert round(e0, 9) == -0.169075164, "nbody: wrong initial energy"


if __name__ == "__main__":
    main()
