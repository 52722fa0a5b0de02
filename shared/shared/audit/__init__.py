"""The audit trail: who changed what, when, from where, in every service."""
