"""Tests of the customer portal plugin."""
