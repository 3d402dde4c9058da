"""社保医保公积金记录: social-insurance contributions, housing fund, medical insurance (read only)."""
