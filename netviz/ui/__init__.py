"""netviz.ui"""
