"""The CNFPT plugin of rtes-events: training sessions of the territorial civil service's body."""
