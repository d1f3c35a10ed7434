"""netviz.io"""
