"""The domain: organisation, cycles, inputs, assessment, events and their projections."""
