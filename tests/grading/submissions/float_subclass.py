# affects: tanh
# message: outside tolerance|returned a list
# A float subclass that claims to equal anything and to be closer than any tolerance.
class Sly(float):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return Sly(0.0)

    def __abs__(self):
        return Sly(0.0)

    def __lt__(self, other):
        return True

    def __le__(self, other):
        return True

    __hash__ = float.__hash__


def tanh(x):
    return [Sly(0.0) for _ in np.asarray(x).reshape(-1)]
