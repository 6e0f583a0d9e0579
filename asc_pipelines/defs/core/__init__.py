"""What the tick concludes: matched products, the listing statuses (one partition per tab), the
desired listings (what Amazon should show), the outbox of changes Amazon still has to show,
sync issues and the listing history, with the checks on them."""
