"""Local environment: moto for the AWS services plus an API Gateway data plane (``gateway``)."""
