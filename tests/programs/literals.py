# integer and float literal forms
print(0x1F, 0XfF, 0o17, 0O777, 0b1011, 0B1, 1_000_000, 0x_dead_beef)
print(0, 00, 0_0, 1_2_3)
print(0x7FFFFFFFFFFFFFFF, -0x7FFFFFFFFFFFFFFF - 1)
print(1e3, 1E-3, .5, 5., 0.0, 1_0.2_5, 1e0, 12e-2, 3.14e+2)
print(-1, +1, - -1, -+-1, +-+2.5)
print(True, False)
