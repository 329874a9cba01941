"""Suite-wide set-up: every seeded Hypothesis run draws what its seed alone decides (mlk.seeding)."""

from mlk.seeding import forget_project_constants

forget_project_constants()
