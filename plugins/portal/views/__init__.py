"""The portal's pages, by topic: home, account (registration) and tickets."""
