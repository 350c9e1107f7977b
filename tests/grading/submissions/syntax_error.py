# affects: all
# message: SyntaxError
def relu(x)
    return x
