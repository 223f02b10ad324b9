"""Volunteers and the township volunteer service stations, with the township running counters."""
