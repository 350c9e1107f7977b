# affects: elu_grad
# message: NaN
def elu_grad(x, alpha=1.0):
    return np.full_like(np.asarray(x), np.nan)
