"""Match modes: procurement, partners, joint procurement and consortia."""
