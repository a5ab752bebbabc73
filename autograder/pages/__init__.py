"""What is written for people: the feedback page of one submission and the class report
(Jinja2 templates)."""
