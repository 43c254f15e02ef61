//! Writing new configurations (`symflow init`, `symflow generate`).
