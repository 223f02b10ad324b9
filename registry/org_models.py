"""Organization models (social-organizations issue)."""

__all__: list[str] = []
