"""Running many independent model evaluations on Dask distributed: a LocalCluster on this machine (bound to
localhost) or an existing scheduler. The core never imports this package."""
