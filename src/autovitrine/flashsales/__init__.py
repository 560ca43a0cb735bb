"""Flash sales: campaigns, the fair waiting room and unit holds."""
