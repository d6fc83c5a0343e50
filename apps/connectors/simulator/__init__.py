"""A local stand-in for the sales channels, so that Weft can be watched (and tested) without a real shop.

``shop`` invents orders and moves them through their lives; ``players``
render them in each channel's own shapes; ``server`` answers pull requests
and records stock pushes on loopback; ``sender`` posts signed webhooks.
"""
