"""Team hub: the sync dialog."""
