"""The site team area: a study team works the contact requests of its own sites."""
