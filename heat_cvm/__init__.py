"""heat-cvm: Docker containers as Nova VMs, orchestrated by Heat."""
