"""Keyword constants of the public API, spelled as in BrainPy 1.0.2."""

#: ``var_type`` of an integrator: every variable is a scalar.
SCALAR_VAR = "SCALAR"
#: ``var_type`` of an integrator: every variable is an array (a population).
POPU_VAR = "POPULATION"
#: ``var_type`` of an integrator: one argument holds an array of variables.
SYSTEM_VAR = "SYSTEM"
VAR_TYPES = (SCALAR_VAR, POPU_VAR, SYSTEM_VAR)

#: ``sde_type``: the Ito interpretation of the stochastic integral.
ITO_SDE = "Ito"
#: ``sde_type``: the Stratonovich interpretation of the stochastic integral.
STRA_SDE = "Stratonovich"
SDE_TYPES = (ITO_SDE, STRA_SDE)

#: ``wiener_type``: each element of each variable has its own scalar Wiener
#: increment (the diffusion ``g`` has the shape of the variable, as in the
#: manual's noisy Lorenz example).
SCALAR_WIENER = "scalar_wiener"
#: ``wiener_type``: a vector of independent Wiener processes.
VECTOR_WIENER = "vector_wiener"
WIENER_TYPES = (SCALAR_WIENER, VECTOR_WIENER)
