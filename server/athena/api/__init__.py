"""gRPC layer: servicers (proto <-> domain), interceptors, error mapping. Nothing else."""
