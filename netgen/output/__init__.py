"""The only stage that touches OUT: how the output is laid out (file names, the
Kustomization, OUT/.netgen), how it is written (lock, staging, atomic swap), what an
unchanged rebuild may skip (state), and what a build would change (changes, diff)."""
