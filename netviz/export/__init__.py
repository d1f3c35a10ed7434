"""netviz.export"""
