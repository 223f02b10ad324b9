"""Government-purchased services: the guidance directory's yearly editions, purchased-service
projects with 绩效评价, 以奖代补 award rounds, and each organization's credit profile."""
