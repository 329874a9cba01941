"""Suite-wide set-up: every seeded Hypothesis run replays alone exactly as it ran in the suite."""

from mlk.seeding import load_every_module

load_every_module()
