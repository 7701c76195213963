"""guestlist: Salesforce external collaboration (Chatter groups, customers, community users) as code."""

__version__ = "0.1.0"
