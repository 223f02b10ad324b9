"""Social organizations: registration and review, records, hubs and party building, documents."""
