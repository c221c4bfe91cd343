// CHOLMOD backend of the IRLS linear solver (to be written).
