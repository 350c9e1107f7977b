# affects: elu_grad
# fails: elu_grad: values (float64); elu_grad: extreme and unseen inputs
# message: NaN
def elu_grad(x, alpha=1.0):
    return np.full_like(np.asarray(x), np.nan)
