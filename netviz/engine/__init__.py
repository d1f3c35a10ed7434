"""netviz.engine"""
