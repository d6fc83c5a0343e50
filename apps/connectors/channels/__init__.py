"""Shops on sales channels: pulling their orders by cursor and pushing available stock back."""
