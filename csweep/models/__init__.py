"""models (above circuits and kernels): a circuit template -> a compiled model (parameter rows,
state layout, the kernel it runs on), and the arrays a kernel takes: mapped parameters, inputs,
the time grid."""
