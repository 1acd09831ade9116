"""Notebook 05: the backward pass of layer norm and batch norm by hand.

- :mod:`~lnlib.nb05_backward_by_hand.graph`: the six-node graph, forward and backward one node at a
  time, checked against autograd (``cmp``) and finite differences;
- :mod:`~lnlib.nb05_backward_by_hand.walkthrough`: the walk through the graph, what the gradient says,
  the exercise;
- :mod:`~lnlib.nb05_backward_by_hand.apps`: the gradient's apps.
"""
