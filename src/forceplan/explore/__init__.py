"""Exploratory analysis: which force deters across what nobody knows (uncertainties × levers → outcomes), with
Sobol indices, PRIM scenario discovery, robustness, and what to ask nations for next. The distributed runner is
in ``forceplan.cluster``; this package defines the experiments and analyses them and imports no Dask."""
