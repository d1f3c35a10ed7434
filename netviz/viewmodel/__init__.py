"""netviz.viewmodel"""
