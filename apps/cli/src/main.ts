console.log("odum")
