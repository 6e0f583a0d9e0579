"""magento"""
