"""Support for social organizations: incubation, training and grants."""
