# affects: elu, elu_grad
# message: defines no function
del elu, elu_grad
